curl 'https://api.notion.com/v1/blocks/e5f16356-8adc-49c5-9f17-228589d071ac' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
