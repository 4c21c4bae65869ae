curl 'https://api.notion.com/v1/blocks/b921ff3cb13c43c2b53ad9d1ba19b8c1' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
