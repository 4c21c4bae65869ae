curl 'https://api.notion.com/v1/pages/197d8e4e98ab80d7b0cad8a33a1cbfba/properties/verification' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''
